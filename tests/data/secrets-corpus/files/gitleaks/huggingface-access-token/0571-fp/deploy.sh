#!/bin/sh
set -eu
amazon.de#@#div[data-cel-widget="desktop-rhf_SponsoredProductsRemoteRHFSearchEXPSubsK2ClickPagination"]
exec /usr/bin/billing
