# Debian packages: `make deps` reports and installs; every build checks first.

deps:
	@sh mk/deps.sh

deps-quiet:
	@sh mk/deps.sh -q

.PHONY: deps-quiet
