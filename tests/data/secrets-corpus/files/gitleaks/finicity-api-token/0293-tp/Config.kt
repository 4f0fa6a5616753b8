package billing

var finicityToken = "b08ed0ab52b00bd5b6e850bda810269c"
