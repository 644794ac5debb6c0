using Inetkit.Scanning.Internal;

namespace Inetkit.Tests.Scanning;

public sealed class DescriptorBudgetTests
{
    [Theory]
    [InlineData("Max open files            1024                 524288               files", 1024L)]
    [InlineData("Max open files            unlimited            unlimited            files", null)]
    public void SoftLimit_IsReadFromProcLimits(string line, long? expected)
    {
        string[] limits = ["Limit                     Soft Limit           Hard Limit           Units", "Max processes             63419                63419                processes", line];

        Assert.Equal(expected, DescriptorBudget.SoftLimit(limits));
    }

    [Fact]
    public void Available_LeavesTheRuntimeAReserve_BelowTheProcessLimit()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads /proc");
        long limit = DescriptorBudget.SoftLimit(File.ReadAllLines("/proc/self/limits"))!.Value;

        int? available = DescriptorBudget.Available();

        Assert.NotNull(available);
        Assert.InRange(available.Value, 1, limit - 64);
    }
}
