using CsCheck;
using Inetkit.Impairment;

namespace Inetkit.Tests.Impairment;

public sealed class ImpairmentParserTests
{
    private static ImpairmentSpec Down(string text) => ImpairmentParser.Parse(text, Direction.Down);

    [Fact]
    public void IssueExample_EveryDatagramPart_GoesToTheDefaultDirection()
    {
        ImpairmentSpec spec = Down("loss=5%,duplicate=1%,reorder=2%,delay=20ms,jitter=5ms");

        Assert.Equal(new DatagramImpairment
        {
            Loss = 0.05, Duplicate = 0.01, Reorder = 0.02, Delay = TimeSpan.FromMilliseconds(20), Jitter = TimeSpan.FromMilliseconds(5),
        }, spec.DatagramsDown);
        Assert.True(spec.DatagramsUp.IsNone);
        Assert.Equal(TimeSpan.FromMilliseconds(5), spec.StreamDown.Jitter);
        Assert.False(spec.HasStreamParts);
    }

    [Fact]
    public void EveryDatagramPart_Parses()
    {
        DatagramImpairment d = Down("loss=10%,loss-burst=3,duplicate=0.5%,reorder=2%,gap=3,reorder-wait=100ms,delay=1.5s,jitter=500us,corrupt=1%,rate=500kbit,limit=10,seed=42")
            .DatagramsDown;

        Assert.Equal(0.1, d.Loss);
        Assert.Equal(3, d.LossBurst);
        Assert.Equal(0.005, d.Duplicate);
        Assert.Equal(3, d.ReorderGap);
        Assert.Equal(TimeSpan.FromMilliseconds(100), d.ReorderWait);
        Assert.Equal(TimeSpan.FromSeconds(1.5), d.Delay);
        Assert.Equal(TimeSpan.FromMicroseconds(500), d.Jitter);
        Assert.Equal(0.01, d.Corrupt);
        Assert.Equal(500_000, d.RateBitsPerSecond);
        Assert.Equal(10, d.Limit);
        Assert.Equal(42, Down("seed=42").Seed);
    }

    [Fact]
    public void EveryStreamPart_Parses()
    {
        ImpairmentSpec spec = Down("latency=100ms,jitter=10ms,bandwidth=200KB/s,slicer=64KB,slicer-variation=10,slicer-delay=1ms,timeout=0,reset=2s,slow-close=1s,limit-data=1MB");
        StreamImpairment s = spec.StreamDown;

        Assert.Equal(new StreamImpairment
        {
            Latency = TimeSpan.FromMilliseconds(100), Jitter = TimeSpan.FromMilliseconds(10), BandwidthBytesPerSecond = 200_000,
            SlicerSize = 65536, SlicerVariation = 10, SlicerDelay = TimeSpan.FromMilliseconds(1), Timeout = TimeSpan.Zero,
            Reset = TimeSpan.FromSeconds(2), SlowClose = TimeSpan.FromSeconds(1), LimitData = 1024 * 1024,
        }, s);
        Assert.True(spec.HasStreamParts);
    }

    [Theory]
    [InlineData("1mbit", 1_000_000)]
    [InlineData("1Mbit", 1_000_000)]
    [InlineData("500kbit", 500_000)]
    [InlineData("2gbit", 2_000_000_000)]
    [InlineData("9600bit", 9600)]
    [InlineData("200KB/s", 1_600_000)]
    [InlineData("1.5MB/s", 12_000_000)]
    [InlineData("100B/s", 800)]
    public void Rates_BitsOrBytesASecond_InThousands(string value, double bits)
    {
        Assert.Equal(bits, Down($"rate={value}").DatagramsDown.RateBitsPerSecond);
        Assert.Equal(bits / 8, Down($"bandwidth={value}").StreamDown.BandwidthBytesPerSecond);
    }

    [Theory]
    [InlineData("1000", 1000)]
    [InlineData("1000B", 1000)]
    [InlineData("64KB", 65536)]
    [InlineData("1.5KB", 1536)]
    [InlineData("2MB", 2 * 1024 * 1024)]
    public void Sizes_BytesInKibibytes(string value, long bytes) => Assert.Equal(bytes, Down($"limit-data={value}").StreamDown.LimitData);

    [Fact]
    public void Prefixes_LimitAPartToOneDirection_AndALaterPartOverrides()
    {
        ImpairmentSpec proxy = ImpairmentParser.Parse("loss=5%,up:loss=1%,down:delay=20ms", Direction.Both);

        Assert.Equal(0.01, proxy.DatagramsUp.Loss);
        Assert.Equal(0.05, proxy.DatagramsDown.Loss);
        Assert.Equal(TimeSpan.Zero, proxy.DatagramsUp.Delay);
        Assert.Equal(TimeSpan.FromMilliseconds(20), proxy.DatagramsDown.Delay);
        Assert.Equal(0.02, Down("up:latency=1s,up:corrupt=2%").DatagramsUp.Corrupt);
        Assert.True(Down("up:latency=1s").StreamDown.IsNone);
    }

    [Fact]
    public void None_IsTheEmptySpec() => Assert.Same(ImpairmentSpec.None, Down(" none "));

    [Theory]
    [InlineData("", "")]
    [InlineData("loss=5%,,delay=1ms", "")]
    [InlineData("loss=150%", "loss=150%")]
    [InlineData("loss=5", "loss=5")]
    [InlineData("loss=-5%", "loss=-5%")]
    [InlineData("loss=five%", "loss=five%")]
    [InlineData("loss", "loss")]
    [InlineData("loss=", "loss=")]
    [InlineData("los=5%", "los=5%")]
    [InlineData("sideways:loss=5%", "sideways:loss=5%")]
    [InlineData("down:seed=1", "down:seed=1")]
    [InlineData("seed=-1", "seed=-1")]
    [InlineData("delay=-20ms", "delay=-20ms")]
    [InlineData("delay=20", "delay=20")]
    [InlineData("delay=20m", "delay=20m")]
    [InlineData("delay=1e3ms", "delay=1e3ms")]
    [InlineData("rate=0mbit", "rate=0mbit")]
    [InlineData("rate=1000", "rate=1000")]
    [InlineData("rate=2000gbit", "rate=2000gbit")]
    [InlineData("bandwidth=1kb/s", "bandwidth=1kb/s")]
    [InlineData("gap=0", "gap=0")]
    [InlineData("gap=1.5", "gap=1.5")]
    [InlineData("limit=0", "limit=0")]
    [InlineData("loss-burst=0.5", "loss-burst=0.5")]
    [InlineData("loss=60%,loss-burst=1", "loss-burst=1")]
    [InlineData("slicer=0", "slicer=0")]
    [InlineData("slicer=1.5", "slicer=1.5")]
    [InlineData("limit-data=3000MB", "limit-data=3000MB")]
    [InlineData("timeout=1000000000000s", "timeout=1000000000000s")]
    public void BadParts_AreNamedInTheError(string text, string part)
    {
        ImpairmentSpecException e = Assert.Throws<ImpairmentSpecException>(() => Down(text));

        Assert.Equal(part, e.Part);
        Assert.StartsWith($"impairment '{part}': ", e.Message);
        Assert.IsAssignableFrom<FormatException>(e);
    }

    [Fact]
    public void Errors_SayWhatToWrite()
    {
        Assert.Equal("impairment 'loss=150%': a percentage is 0-100%", Assert.Throws<ImpairmentSpecException>(() => Down("loss=150%")).Message);
        Assert.Contains("ends in %, as in loss=5%", Assert.Throws<ImpairmentSpecException>(() => Down("loss=5")).Message);
        Assert.Contains("is not negative", Assert.Throws<ImpairmentSpecException>(() => Down("delay=-1ms")).Message);
        Assert.Contains("needs bursts of at least 1.5", Assert.Throws<ImpairmentSpecException>(() => Down("loss=60%,loss-burst=1")).Message);
    }

    [Fact]
    public void FirstStreamPart_NamesAStreamToxic_ButNotTheSharedJitter()
    {
        Assert.Equal("up:slicer=10", ImpairmentParser.FirstStreamPart("loss=5%,jitter=1ms,up:slicer=10,latency=1s"));
        Assert.Null(ImpairmentParser.FirstStreamPart("loss=5%,jitter=1ms"));
        Assert.Equal("down:rate=1mbit", ImpairmentParser.FirstDatagramPart("latency=1s,jitter=1ms,down:rate=1mbit"));
        Assert.Null(ImpairmentParser.FirstDatagramPart("latency=1s,jitter=1ms"));
    }

    [Fact]
    public void Describe_OneDirection_ForLogsAndTraces()
    {
        ImpairmentSpec spec = Down("loss=5%,duplicate=1%,delay=20ms,jitter=5ms,up:rate=1mbit,up:limit=10,latency=100ms");

        Assert.Equal("loss 5%, duplicate 1%, delay 20ms ±5ms, latency 100ms ±5ms", spec.Describe(Direction.Down));
        Assert.Equal("rate 1mbit (limit 10)", spec.Describe(Direction.Up));
        Assert.Equal("jitter ±5ms", Down("jitter=5ms").Describe(Direction.Down));
        Assert.Equal("none", ImpairmentSpec.None.Describe(Direction.Up));
        Assert.Equal("loss 10% in bursts of 4", Down("loss=10%,loss-burst=4").DatagramsDown.Describe());
    }

    [Fact]
    public void ToString_IsCanonical_WithEveryDirectionSpelledOut()
    {
        Assert.Equal("seed=7,up:loss=5%,up:bandwidth=1.6MB/s,down:loss=5%,down:delay=1.5s,down:jitter=250us,down:rate=200kbit",
            ImpairmentParser.Parse("seed=7,loss=5%,down:delay=1500ms,down:jitter=0.25ms,down:rate=25KB/s,up:bandwidth=12.8mbit", Direction.Both).ToString());
        Assert.Equal("none", ImpairmentSpec.None.ToString());
    }

    private static readonly Gen<string> PartGen = Gen.OneOf(
        Gen.Int[0, 10000].Select(n => $"loss={n / 100m}%"),
        Gen.Int[0, 10000].Select(n => $"duplicate={n / 100m}%"),
        Gen.Int[0, 10000].Select(n => $"reorder={n / 10m / 10}%"),
        Gen.Int[0, 10000].Select(n => $"corrupt={n / 100m}%"),
        Gen.Int[1, 100].Select(n => $"gap={n}"),
        Gen.Int[1, 100000].Select(n => $"limit={n}"),
        Gen.Int[0, 100000].Select(n => $"delay={n}us"),
        Gen.Int[0, 100000].Select(n => $"jitter={n / 10m}ms"),
        Gen.Int[0, 100000].Select(n => $"reorder-wait={n / 1000m}s"),
        Gen.Int[1, 100000].Select(n => $"rate={n}kbit"),
        Gen.Int[1, 100000].Select(n => $"rate={n / 10m}KB/s"),
        Gen.Int[1, 100000].Select(n => $"bandwidth={n}bit"),
        Gen.Int[1, 100000].Select(n => $"latency={n}ms"),
        Gen.Int[1, 100000].Select(n => $"slicer={n}"),
        Gen.Int[1, 1000].Select(n => $"limit-data={n}KB"),
        Gen.Int[0, 100000].Select(n => $"timeout={n}ms"),
        Gen.Int[0, 100000].Select(n => $"slow-close={n}ms"),
        Gen.Int[0, 100000].Select(n => $"seed={n}"));

    private static readonly Gen<string> SpecGen =
        Gen.Select(Gen.OneOf(Gen.Const(""), Gen.Const("up:"), Gen.Const("down:")), PartGen, (prefix, part) => part.StartsWith("seed=", StringComparison.Ordinal) ? part : prefix + part)
            .Array[1, 8].Select(parts => string.Join(',', parts));

    [Fact]
    public void ToString_ReadsBackToAnEqualSpec_WhateverTheDefaultDirection()
    {
        SpecGen.Sample(text =>
        {
            ImpairmentSpec spec = ImpairmentParser.Parse(text, Direction.Both);
            string canonical = spec.ToString();
            Assert.Equal(spec, ImpairmentParser.Parse(canonical, Direction.Up));
            Assert.Equal(spec, ImpairmentParser.Parse(canonical, Direction.Down));
            Assert.Equal(canonical, ImpairmentParser.Parse(canonical, Direction.Down).ToString());
        });
    }

    [Fact]
    public void Prefixes_OnlyEverChangeTheirDirection()
    {
        SpecGen.Sample(text =>
        {
            string upOnly = string.Join(',', text.Split(',').Select(p => p.StartsWith("seed=", StringComparison.Ordinal) ? p : "up:" + p.Replace("up:", "", StringComparison.Ordinal).Replace("down:", "", StringComparison.Ordinal)));
            ImpairmentSpec spec = ImpairmentParser.Parse(upOnly, Direction.Down);
            Assert.True(spec.DatagramsDown.IsNone && spec.StreamDown.IsNone);
        });
    }
}
