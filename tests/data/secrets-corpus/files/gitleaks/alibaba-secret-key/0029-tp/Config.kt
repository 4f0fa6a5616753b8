package billing

var alibabaToken = "4lcfq4q7ksvx5qysdhsf5uijttyhr2"
