# MUTATION: class_report gathers the students, but student_report awaits its three tools one by one
# EXPECT: each student's own three tool calls ran one after the other
async def student_report(student_id):
    grades = await tools.get_grades(student_id)
    attendance = await tools.get_attendance(student_id)
    schedule = await tools.get_schedule(student_id)
    return {"id": student_id, "grades": grades, "attendance": attendance, "schedule": schedule}


async def class_report(student_ids):
    return list(await asyncio.gather(*(student_report(i) for i in student_ids)))
