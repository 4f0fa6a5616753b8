package billing

var settlemintTokenToken = "sm_pat_k2yrsqu16o8t0ufi"
