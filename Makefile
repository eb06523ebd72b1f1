# make install [PREFIX=/usr/local] [DESTDIR=...]: the release binary, the shipped presets and
# impulses, a man page generated from the argument parser, and bash/zsh/fish completions.
# make uninstall [PREFIX=...] removes exactly those.
PREFIX ?= /usr/local
BIN_DIR := $(DESTDIR)$(PREFIX)/bin
DATA_DIR := $(DESTDIR)$(PREFIX)/share/sfconv
MAN_DIR := $(DESTDIR)$(PREFIX)/share/man/man1
BASH_DIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSH_DIR := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISH_DIR := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
BUILD := .build/release
GENERATED := .build/install

.PHONY: all build install uninstall clean-install

all: build

build:
	swift build -c release --product sfconv

$(GENERATED)/sfconv.1: build
	mkdir -p $(GENERATED)
	swift package --allow-writing-to-directory $(GENERATED) generate-manual --output-directory $(GENERATED)

install: build $(GENERATED)/sfconv.1
	install -d $(BIN_DIR) $(DATA_DIR)/presets $(DATA_DIR)/impulses $(MAN_DIR) $(BASH_DIR) $(ZSH_DIR) $(FISH_DIR)
	install -m 755 $(BUILD)/sfconv $(BIN_DIR)/sfconv
	install -m 644 presets/*.toml $(DATA_DIR)/presets/
	install -m 644 impulses/*.flac impulses/README.md $(DATA_DIR)/impulses/
	install -m 644 $(GENERATED)/sfconv.1 $(MAN_DIR)/sfconv.1
	$(BUILD)/sfconv --generate-completion-script bash > $(BASH_DIR)/sfconv
	$(BUILD)/sfconv --generate-completion-script zsh > $(ZSH_DIR)/_sfconv
	$(BUILD)/sfconv --generate-completion-script fish > $(FISH_DIR)/sfconv.fish
	@echo "installed sfconv in $(BIN_DIR); presets and impulses in $(DATA_DIR)"

uninstall:
	rm -f $(BIN_DIR)/sfconv $(MAN_DIR)/sfconv.1 $(BASH_DIR)/sfconv $(ZSH_DIR)/_sfconv $(FISH_DIR)/sfconv.fish
	rm -rf $(DATA_DIR)
