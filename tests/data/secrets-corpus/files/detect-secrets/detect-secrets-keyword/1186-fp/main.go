secret := ''
