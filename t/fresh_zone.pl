# A fresh nginx, so a fresh routini zone, for every block of a test file
# whose blocks must not see the changes an earlier block made (a pinned
# strategy, a drained peer): a comment naming the block makes each block's
# configuration differ, and both runners restart nginx for a new one.
#
#     use FindBin;
#     require "$FindBin::Bin/fresh_zone.pl";

add_block_preprocessor {
    my $block = shift;
    $block->set_value('config', $block->config . "\n    # " . $block->name
                                . "\n")
        if defined $block->config;
    return;
};

1;
