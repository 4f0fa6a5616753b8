<?php
$droneciToken .= "sjsch4fgtei8uvvdyjxd8f7xszyv7s5v"
