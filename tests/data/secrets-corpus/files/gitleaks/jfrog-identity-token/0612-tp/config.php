<?php
$xrayToken .= "tssirqkusotqi2o357hlzy4hpxnycv4w1z3mrxgm9kzx4994gvjuvd6g9uzjzkyi"
