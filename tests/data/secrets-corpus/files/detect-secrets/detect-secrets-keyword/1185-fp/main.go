password :=,.:-¨@*¿?!
