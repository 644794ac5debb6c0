using System.Globalization;
using Inetkit.Scanning;

namespace Inetkit.Cli;

/// <summary>
/// <c>--shard auto</c>: the shard from the cluster engine running the task. A Slurm job array says which task this is
/// (<c>SLURM_ARRAY_TASK_ID</c>) among how many (<c>SLURM_ARRAY_TASK_COUNT</c>, or <c>MIN</c>/<c>MAX</c>); a Kubernetes
/// Indexed Job gives only the 0-based index (<c>JOB_COMPLETION_INDEX</c>), so the count comes from <c>--shard-count</c> or
/// <c>INETKIT_SHARD_COUNT</c> (set from the job's completions). Slurm is asked first.
/// </summary>
internal static class ShardAuto
{
    public const string Keyword = "auto";

    public static ScanShard? Resolve(string? shard, int? shardCount, Func<string, string?> variable)
    {
        if (shard != Keyword)
        {
            if (shardCount is not null)
            {
                throw new ScanInputException("--shard-count goes with --shard auto (in a Kubernetes Indexed Job); with --shard I/N the count is N");
            }
            return shard is null ? null : ScanShard.Parse(shard);
        }
        ScanShard found = Number(variable, "SLURM_ARRAY_TASK_ID") is { } task ? FromSlurm(task, variable)
            : Number(variable, "JOB_COMPLETION_INDEX") is { } index ? FromKubernetes(index, shardCount ?? Number(variable, "INETKIT_SHARD_COUNT"))
            : throw new ScanInputException("--shard auto found no cluster engine: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give --shard I/N");
        if (shardCount is { } given && given != found.Count)
        {
            throw new ScanInputException($"--shard-count {given} but the job array has {found.Count} tasks; leave --shard-count out or make them agree");
        }
        return found;
    }

    private static ScanShard FromSlurm(int task, Func<string, string?> variable)
    {
        int? min = Number(variable, "SLURM_ARRAY_TASK_MIN"), max = Number(variable, "SLURM_ARRAY_TASK_MAX");
        int? count = Number(variable, "SLURM_ARRAY_TASK_COUNT") ?? (max - min + 1);
        if (min is null || count is null)
        {
            throw new ScanInputException($"--shard auto: SLURM_ARRAY_TASK_ID={task} but SLURM_ARRAY_TASK_MIN and _MAX or _COUNT are not set; give --shard I/N");
        }
        // Tasks numbered min..max one by one are shards 1..N; an array with gaps (1-9:2, 1,4,7) has no such numbering.
        if (max is { } last && last - min + 1 != count || Number(variable, "SLURM_ARRAY_TASK_STEP") is { } step && step != 1)
        {
            throw new ScanInputException($"--shard auto needs a job array without gaps (sbatch --array=1-N), but this one runs {count} tasks from {min} to {max}; give --shard I/N");
        }
        return Checked(task - min.Value + 1, count.Value, $"SLURM_ARRAY_TASK_ID={task}");
    }

    private static ScanShard FromKubernetes(int index, int? count)
    {
        if (count is null)
        {
            throw new ScanInputException($"--shard auto in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX={index}) needs the number of shards: give --shard-count N or set INETKIT_SHARD_COUNT to the job's completions");
        }
        return Checked(index + 1, count.Value, $"JOB_COMPLETION_INDEX={index}");
    }

    private static ScanShard Checked(int index, int count, string source)
    {
        if (count is < 1 or > 1_000_000 || index < 1 || index > count)
        {
            throw new ScanInputException($"--shard auto: {source} makes shard {index}/{count}, outside 1..{count}; check the job's array or completions");
        }
        return new ScanShard(index, count);
    }

    private static int? Number(Func<string, string?> variable, string name)
    {
        string? text = variable(name);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value
            : throw new ScanInputException(string.Create(CultureInfo.InvariantCulture, $"--shard auto: {name}='{text}' is not a number"));
    }
}
