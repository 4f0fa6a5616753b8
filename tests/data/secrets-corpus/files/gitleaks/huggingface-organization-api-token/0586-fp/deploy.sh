#!/bin/sh
set -eu
const api_org_controller = require('../../controllers/api/index').organizations;
exec /usr/bin/billing
