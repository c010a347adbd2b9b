"""RSS and Atom feeds: blogs, news sites, forums, review sites that publish a feed."""
