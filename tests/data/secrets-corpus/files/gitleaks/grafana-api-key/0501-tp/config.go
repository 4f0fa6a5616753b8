package config

import "os"

var grafana-api-keyToken string = "eyJrIjoiyk46qyjc4wg7q0yf1rsewk2hgqzc5tszbtk8j22hkczek0ia058mrojdiqcpq4qu99tfcv"

var Home = os.Getenv("HOME")
