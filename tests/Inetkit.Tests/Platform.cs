// The tests run on Linux only: they use network namespaces, /proc, xinetd and Debian's peers (.ci/run).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
