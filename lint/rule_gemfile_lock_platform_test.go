package lint

import "testing"

const darwinLock = `GEM
  remote: https://rubygems.org/
  specs:
    rails (7.1.3)

PLATFORMS
  x86_64-darwin-20

DEPENDENCIES
  rails

BUNDLED WITH
   2.2.16
`

func TestGemfileLockPlatform(t *testing.T) {
	alpine := "FROM ruby:3.0.1-alpine3.13 AS base\nFROM base AS bundle\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\n"
	runDockerfileCases(t, "gemfile-lock-platform", []dockerfileCase{
		{name: "seed: darwin lockfile, alpine image", src: alpine, files: map[string]string{"Gemfile.lock": darwinLock},
			want: []string{"4:5: Gemfile.lock lists PLATFORMS x86_64-darwin-20 but not x86_64-linux-musl, the platform of this alpine (ruby:3.0.1-alpine3.13) image: bundle install fails with \"Your bundle only supports platforms\"; run `bundle lock --add-platform x86_64-linux-musl`"}},
		{name: "glibc image", src: "FROM ruby:3.3-slim\nRUN bundle install\n", files: map[string]string{"Gemfile.lock": darwinLock},
			want: []string{"2:5: Gemfile.lock lists PLATFORMS x86_64-darwin-20 but not x86_64-linux, the platform of this glibc (ruby:3.3-slim) image"}},
		{name: "arm64 by FROM --platform", src: "FROM --platform=linux/arm64 ruby:3.3\nRUN bundle install\n",
			files: map[string]string{"Gemfile.lock": "PLATFORMS\n  x86_64-linux\n"}, want: []string{"2:5: Gemfile.lock lists PLATFORMS x86_64-linux but not aarch64-linux"}},
		{name: "arm64 from options", src: "FROM ruby:3.3\nRUN bundle install\n", config: "rules:\n  gemfile-lock-platform:\n    options: {platforms: [linux/amd64, linux/arm64]}\n",
			files: map[string]string{"Gemfile.lock": "PLATFORMS\n  arm64-darwin-23\n  x86_64-linux\n"}, want: []string{"2:5: Gemfile.lock lists PLATFORMS arm64-darwin-23, x86_64-linux but not aarch64-linux, the platform"}},

		{name: "musl listed", src: alpine, files: map[string]string{"Gemfile.lock": "PLATFORMS\n  arm64-darwin-23\n  x86_64-linux-musl\n"}},
		{name: "plain x86_64-linux accepted on alpine, as the seed did", src: alpine, files: map[string]string{"Gemfile.lock": "PLATFORMS\n  x86_64-darwin-20\n  x86_64-linux\n"}},
		{name: "gnu spelling on glibc", src: "FROM ruby:3.3\nRUN bundle install\n", files: map[string]string{"Gemfile.lock": "PLATFORMS\n  x86_64-linux-gnu\n"}},
		{name: "generic ruby platform", src: alpine, files: map[string]string{"Gemfile.lock": "PLATFORMS\n  ruby\n"}},
		{name: "no Gemfile.lock", src: alpine},
		{name: "no bundle install", src: "FROM ruby:3.3-alpine\nCOPY . .\n", files: map[string]string{"Gemfile.lock": darwinLock}},
		{name: "unknown base image", src: "FROM ghcr.io/acme/base:1\nRUN bundle install\n", files: map[string]string{"Gemfile.lock": darwinLock}},
	})
}
