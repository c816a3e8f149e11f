"""Background jobs of the customer archive."""

from huey.contrib.djhuey import db_task


@db_task(retries=0)
def import_customers_task(job_id: int) -> None:
    """Run an uploaded customer import (progress is kept on its ``ImportJob`` row)."""
    from kefu.customers.importing import import_job_run

    import_job_run(job_id=job_id)
