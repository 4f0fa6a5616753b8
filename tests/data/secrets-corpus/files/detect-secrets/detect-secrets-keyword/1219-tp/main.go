secrete := A,.:-¨@*¿?!
