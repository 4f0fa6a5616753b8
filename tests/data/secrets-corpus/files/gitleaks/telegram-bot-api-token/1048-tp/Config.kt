package billing

var telegramToken = "86753207:A4duouatj3m2hj70htqzaa_cglin97fjl7c"
