<?php
$gitlabToken .= "glpat-pnwuzcmh0vn23n0vvg8h67ced5m.z9m1zhmx9"
