package billing

var algoliaToken = "181a81c59efa24430b8f0eafe1dfd6dd"
