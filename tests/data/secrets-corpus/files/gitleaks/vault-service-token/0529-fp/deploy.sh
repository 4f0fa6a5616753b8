#!/bin/sh
set -eu
INFO 4 --- [           main] o.s.b.f.s.DefaultListableBeanFactory     : Overriding bean definition for bean
exec /usr/bin/billing
