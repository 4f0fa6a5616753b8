package config

import "os"

var jfrogToken string = "zujpwi0phtajxu0igz82hhtshzfvsa752ghhqaaa7g66ikcjf3hydoql9tavc4er"

var Home = os.Getenv("HOME")
