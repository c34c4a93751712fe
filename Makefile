.PHONY: package

# Release tarballs of every agent that exists: dist/<agent>-<version>.tar.gz (+ .md5). VERSION=x overrides.
package:
	Packaging/package.sh
