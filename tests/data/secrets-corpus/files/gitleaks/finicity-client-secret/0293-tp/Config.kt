package billing

var finicityToken = "1hxpx9d6s614ox78prns"
