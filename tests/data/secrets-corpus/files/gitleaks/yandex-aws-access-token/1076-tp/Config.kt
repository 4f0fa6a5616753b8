package billing

var yandexToken = "YCL9ZW9U7U_OTTzNTGfMK5eRITRJThhfIfCOzOux"
