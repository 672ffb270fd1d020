package lint

import "testing"

func TestDependabotMissing(t *testing.T) {
	ci := job("push", "      - uses: actions/checkout@v7\n")
	runRepoCases(t, "dependabot-missing", []repoCase{
		{
			name:  "no dependabot.yml",
			files: map[string]string{".github/workflows/ci.yml": ci},
			want:  []string{".github/workflows/ci.yml:6:15: no .github/dependabot.yml keeps the actions this workflow uses up to date (such as actions/checkout@v7 here)"},
		},
		{
			name: "dependabot.yaml without github-actions",
			files: map[string]string{
				".github/workflows/ci.yml": ci,
				".github/dependabot.yaml":  "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule: {interval: weekly}\n",
			},
			want: []string{".github/dependabot.yaml:2:1: dependabot.yml has no github-actions entry"},
		},
		{
			name: "github-actions entry",
			files: map[string]string{
				".github/workflows/ci.yml": ci,
				".github/dependabot.yml":   "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule: {interval: weekly}\n",
			},
		},
		{
			name: "Dockerfiles without a docker entry",
			files: map[string]string{
				".github/dependabot.yml": "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule: {interval: weekly}\n",
				"Dockerfile":             "# syntax=docker/dockerfile:1\nFROM ruby:3.3\n",
				"worker/Dockerfile":      "FROM node:22\n",
			},
			want: []string{"Dockerfile:2:1: dependabot.yml has no docker entry, so the base images of 2 Dockerfiles (ruby:3.3 here) never get updated"},
		},
		{
			name: "a Dockerfile outside the docker entry's directories",
			files: map[string]string{
				".github/dependabot.yml": "version: 2\nupdates:\n  - package-ecosystem: docker\n    directories: ['/', '/apps/**']\n    schedule: {interval: weekly}\n",
				"Dockerfile":             "FROM ruby:3.3\n",
				"apps/web/Dockerfile":    "FROM ruby:3.3\n",
				"tools/ci/Dockerfile":    "FROM alpine:3.20\n",
			},
			want: []string{"tools/ci/Dockerfile:1:1: no docker entry of dependabot.yml covers /tools/ci, so the base image alpine:3.20 is never updated"},
		},
		{
			name: "scratch, stage and build-argument bases",
			files: map[string]string{
				".github/dependabot.yml": "version: 2\nupdates: []\n",
				"Dockerfile":             "ARG BASE=ruby:3.3\nFROM $BASE AS build\nFROM build\nFROM scratch\n",
			},
		},
		{
			name: "Renovate instead of dependabot",
			files: map[string]string{
				".github/workflows/ci.yml": ci,
				".github/renovate.json":    "{}\n",
				"Dockerfile":               "FROM ruby:3.3\n",
			},
		},
		{
			name: "Renovate configured in package.json",
			files: map[string]string{
				".github/workflows/ci.yml": ci,
				"package.json":             `{"name": "x", "renovate": {"extends": ["config:recommended"]}}`,
			},
		},
		{
			name:  "only run steps and local actions",
			files: map[string]string{".github/workflows/ci.yml": job("push", "      - run: make\n      - uses: ./.github/actions/x\n      - uses: docker://alpine:3\n")},
		},
	})
}
