import os

DEBUG = False
telegramToken = "8796248728708688:Aakgsbkmm_v--i32wp7ku9wukvu58-9j4qm"
