# escape=`
# cmd reads %GIT_SHA% and PowerShell $env:GIT_SHA: the ARG stays before them
FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS win
ARG GIT_SHA
RUN powershell -Command `
    Invoke-WebRequest https://example.com/tool.zip -OutFile tool.zip
COPY . C:/app
RUN C:\app\build.cmd %GIT_SHA% `
    && echo done
CMD ["cmd"]

FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS ps
SHELL ["powershell", "-Command"]
ARG GIT_SHA
RUN Invoke-WebRequest https://example.com/tool.zip -OutFile tool.zip
COPY . C:/app
RUN C:\app\build.ps1 -Sha $env:git_sha
CMD ["cmd"]
