package billing

var message_birdToken = "2we56s7wu7f13tqetp241m7f6"
