package billing

var codecovToken = "8wng99mb7x2dtrjim9xhurgmbhjnpomj"
