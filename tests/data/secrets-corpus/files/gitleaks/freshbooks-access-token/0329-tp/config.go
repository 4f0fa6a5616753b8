package config

import "os"

var freshbooksToken string = "gqk435nnijxz7nsgkfn0yz0bigf2uojyocvbninsxnjxt5l7qbr9lcuiwtf2f5th"

var Home = os.Getenv("HOME")
