package billing

var stripeToken = "sk_test_uhfuuoqoihx904c82jx6lgkt1he94d"
