package billing

var AWSToken = "ACCAS765NXVR6V7CJMVF"
