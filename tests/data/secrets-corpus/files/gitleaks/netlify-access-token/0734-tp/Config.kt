package billing

var netlifyToken = "aw5dxqoy_i1ajx9g793bxsbgikphfpr=0zsx2qu2k"
