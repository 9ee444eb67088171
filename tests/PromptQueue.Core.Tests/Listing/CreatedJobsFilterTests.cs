using PromptQueue.Contracts;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Tests.Listing;

public sealed class CreatedJobsFilterTests
{
    [Fact]
    public void Filter_Name_IsAQuotedConditionBesideTheOthers()
    {
        // Act
        var filter = CreatedJobs.Filter([JobStatus.Failed], batchId: null, name: "it's-mine");

        // Assert
        Assert.Equal("(Status eq 'Failed') and Name eq 'it''s-mine'", filter);
    }
}
