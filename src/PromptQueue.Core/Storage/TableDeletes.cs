using Azure;
using Azure.Data.Tables;

namespace PromptQueue.Core.Storage;

/// <summary>The two ways PromptQueue removes a row: whatever it holds, or only as it was read.</summary>
public static class TableDeletes
{
    /// <summary>Removes the row if it is there; a row already gone is what the caller wanted.</summary>
    public static async Task DeleteIfExistsAsync(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        try
        {
            await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Removed already.
        }
    }

    /// <summary>
    /// Removes the row if nobody changed it since it was read at <paramref name="version"/>. True when it is gone (also
    /// when it was gone already); false when it changed meanwhile and stays.
    /// </summary>
    public static async Task<bool> TryDeleteUnchangedAsync(this TableClient table, string partitionKey, string rowKey, ETag version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        try
        {
            await table.DeleteEntityAsync(partitionKey, rowKey, version, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return ex.Status == 404;
        }
    }
}
