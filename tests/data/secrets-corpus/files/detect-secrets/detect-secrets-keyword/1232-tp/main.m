secrete = "A,.:-¨@*¿?!"
