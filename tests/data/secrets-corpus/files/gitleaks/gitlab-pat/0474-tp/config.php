<?php
$gitlabToken .= "glpat-os2eabckxkzw0dlkukx8"
