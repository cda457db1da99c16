################################################################################
#
# cluecam
#
################################################################################

# The package builds the source tree this BR2_EXTERNAL lives in.
CLUECAM_VERSION = local
CLUECAM_SITE = $(BR2_EXTERNAL_CLUECAM_PATH)/..
CLUECAM_SITE_METHOD = local
CLUECAM_LICENSE = Apache-2.0
CLUECAM_GOMOD = github.com/cluecam/cluecam
CLUECAM_BUILD_TARGETS = cmd/cluecam
CLUECAM_LDFLAGS = -X main.version=$(CLUECAM_VERSION)
# Pure Go: no cgo, so the binary is static and matches `make cross`.
CLUECAM_GO_ENV = CGO_ENABLED=0

define CLUECAM_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(CLUECAM_PKGDIR)/S90cluecam \
		$(TARGET_DIR)/etc/init.d/S90cluecam
endef

$(eval $(golang-package))
