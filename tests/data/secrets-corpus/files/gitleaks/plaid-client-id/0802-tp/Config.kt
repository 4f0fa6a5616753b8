package billing

var plaidToken = "rVDDIK1lGv08z8qWUAKRVM3w"
