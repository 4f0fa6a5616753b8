<?php
$new-relicToken .= "NRAK-gbb62jyuhtnvo0ysps78k40swhw"
