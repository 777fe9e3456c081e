# SecurityCoach silo image: build with the .NET SDK, run on the ASP.NET runtime as a non-root user.
#   docker build -t securitycoach .
#   docker run -p 8080:8080 securitycoach                       # Local profile: one silo, in-memory providers
# The AWS profiles take their settings from the environment (see README, "Configuration").

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so source edits reuse the cached package layer.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY grain-interfaces/SecurityCoach.GrainInterfaces.csproj grain-interfaces/
COPY grains/SecurityCoach.Grains.csproj grains/
COPY api/SecurityCoach.Api.csproj api/
COPY providers/SecurityCoach.Providers.Aws.csproj providers/
COPY silo/SecurityCoach.Silo.csproj silo/
# ReadyToRun (precompiled) for the ECS template's X86_64 tasks: a new silo that starts under load runs compiled code
# from the first request instead of waiting for the JIT (bench/README.md: e2e p99 of its first 20 s at 1,500
# events/s 273–331 ms instead of 398–402 ms).
RUN dotnet restore silo/SecurityCoach.Silo.csproj -r linux-x64 -p:PublishReadyToRun=true
COPY grain-interfaces/ grain-interfaces/
COPY grains/ grains/
COPY api/ api/
COPY providers/ providers/
COPY silo/ silo/
RUN dotnet publish silo/SecurityCoach.Silo.csproj -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# The one directory under /app that user may write: where a generated admin key goes (README, "Security").
RUN mkdir -m 700 .securitycoach && chown app:app .securitycoach
# The aspnet image's unprivileged user (uid 1654).
USER app
ENV ASPNETCORE_URLS=http://+:8080 \
    DOTNET_gcServer=1
# 8080 HTTP (API, dashboard, GET /healthz for the load balancer), 11111 silo-to-silo, 30000 client gateway.
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet", "SecurityCoach.Silo.dll"]
