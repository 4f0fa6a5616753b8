password = ",.:-¨@*¿?!"
