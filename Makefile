# bssd: build, install and uninstall.
#
#   make                                   release build and man pages
#   sudo make install                      to PREFIX (default /usr/local)
#   make install DESTDIR=/tmp/stage PREFIX=/usr   staged, e.g. for a package
#   sudo make uninstall                    removes what install put (same PREFIX/DESTDIR)
#
# The binaries link the Swift runtime statically, so the installed ones run without the
# toolchain (they need only glibc, libstdc++, libasound and libfftw3). They build in their own
# scratch directory: `swift build` and `swift test` keep theirs in .build unchanged.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
# Under PREFIX; systemd searches /usr/local/lib/systemd/system and /usr/lib/systemd/system.
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DESTDIR    ?=

SWIFT      ?= swift
SCRATCH    ?= .build/dist
BUILT_BIN  := $(SCRATCH)/release
BUILT_MAN  := $(SCRATCH)/man
# Written last by `build`: install needs a finished build, not a particular file's mtime.
BUILT      := $(SCRATCH)/.built

CONFDIR    := $(DESTDIR)$(SYSCONFDIR)/bssd

.PHONY: all build install uninstall clean

all: build

build:
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(SCRATCH)
	rm -rf $(BUILT_MAN)
	bash scripts/manpages.sh $(BUILT_MAN) $(BUILT_BIN)/bssd $(BUILT_BIN)/bssctl
	touch $(BUILT)

# Builds only when nothing was built yet, so `make && sudo make install` never runs SwiftPM as
# root (which would leave root-owned files in the build directory).
$(BUILT):
	$(MAKE) build

install: $(BUILT)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR) $(CONFDIR)
	install -m 755 $(BUILT_BIN)/bssd $(BUILT_BIN)/bssctl $(DESTDIR)$(BINDIR)/
	install -m 644 $(BUILT_MAN)/*.1 $(DESTDIR)$(MANDIR)/man1/
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' systemd/bssd.service.in \
		>$(DESTDIR)$(UNITDIR)/bssd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/bssd.service
	@# The shipped defaults are always refreshed; the live config only on a first install, so an
	@# upgrade never overwrites the operator's settings.
	install -m 644 config/bssd.toml $(CONFDIR)/bssd.toml.default
	@if [ -e $(CONFDIR)/bssd.toml ]; then \
		echo "keeping $(CONFDIR)/bssd.toml (new defaults: bssd.toml.default)"; \
	else \
		install -m 644 config/bssd.toml $(CONFDIR)/bssd.toml; \
	fi
	@[ -n "$(DESTDIR)" ] || echo "installed; next: systemctl daemon-reload && systemctl enable --now bssd"

# Man pages by name pattern: uninstall must work without a build directory, and scripts/manpages.sh
# names every page bssd.1, bssd-*.1, bssctl.1 or bssctl-*.1.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bssd $(DESTDIR)$(BINDIR)/bssctl
	rm -f $(DESTDIR)$(MANDIR)/man1/bssd.1 $(DESTDIR)$(MANDIR)/man1/bssd-*.1 \
		$(DESTDIR)$(MANDIR)/man1/bssctl.1 $(DESTDIR)$(MANDIR)/man1/bssctl-*.1
	rm -f $(DESTDIR)$(UNITDIR)/bssd.service
	@# The live config goes only if it is still the shipped default; an edited one stays.
	@if [ -e $(CONFDIR)/bssd.toml ] && ! cmp -s $(CONFDIR)/bssd.toml $(CONFDIR)/bssd.toml.default; then \
		echo "keeping $(CONFDIR)/bssd.toml: it differs from the shipped defaults"; \
	else \
		rm -f $(CONFDIR)/bssd.toml; \
	fi
	rm -f $(CONFDIR)/bssd.toml.default
	rmdir $(CONFDIR) 2>/dev/null || true

clean:
	rm -rf $(SCRATCH)
