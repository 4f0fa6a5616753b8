package config

import "os"

var twitterToken string = "tm9dwuwm4otte7ajwgp402swg0t24uel8mpng8cs2hzli"

var Home = os.Getenv("HOME")
