package config

import "os"

jfrogToken := `zujpwi0phtajxu0igz82hhtshzfvsa752ghhqaaa7g66ikcjf3hydoql9tavc4er`

var Home = os.Getenv("HOME")
