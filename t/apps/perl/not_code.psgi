# Returns something that is not an app.
{ not => 'an app' };
