import os

DEBUG = False
settlemintTokenToken = "sm_pat_k2yrsqu16o8t0ufi"
