package billing

var discordToken = "54335999662622250466196619843745"
