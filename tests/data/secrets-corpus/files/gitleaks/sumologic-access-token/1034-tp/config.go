package config

import "os"

sumoToken := `gi0nrsm8u0vt54h36g2dgttgosmx21rb66rqf10sgflsviwaqotjxb6w70k5oxr3`

var Home = os.Getenv("HOME")
