package billing

var lookerToken = "kkac3gmlci25t03mf25z"
