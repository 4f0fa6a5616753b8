package billing

var genericToken = "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"
